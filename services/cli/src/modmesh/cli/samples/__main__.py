"""Regenerates the bundled sample clip: `python -m modmesh.cli.samples`."""

from modmesh.cli.samples import CLIP, SAMPLE_TEXT, make_clip

if __name__ == "__main__":
    make_clip(CLIP, SAMPLE_TEXT, lead_silence=1.5, video="mandelbrot")
    print(f"wrote {CLIP} ({CLIP.stat().st_size} bytes)")
