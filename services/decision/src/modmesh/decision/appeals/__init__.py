"""Appeals: the affected account contests an action; a different reviewer decides."""
