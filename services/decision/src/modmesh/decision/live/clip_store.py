"""Which live flag keeps which clip: the link from a flag to the audio kept around it."""

from __future__ import annotations

from sqlalchemy import update

from modmesh.decision.domain import LiveClip
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import LiveFlagRow


class SqlClipLinks(StoreBase):
    def keep_live_clip(self, stream_id: str, clip: LiveClip) -> None:
        """Links a flag to the clip of the audio around it, once: a flag keeps its first
        clip. The call that raised the flag writes it, lease or no lease: a call taken
        over by a resume still keeps the clips of its own flags, which no other call
        makes."""
        with self._write() as session:
            linked = session.execute(
                update(LiveFlagRow)
                .where(
                    LiveFlagRow.stream_id == stream_id,
                    LiveFlagRow.sequence == clip.flag_sequence,
                    LiveFlagRow.clip_sha256.is_(None),
                )
                .values(
                    clip_sha256=clip.media.sha256,
                    clip_uri=clip.media.uri,
                    clip_size=clip.media.size_bytes,
                    clip_mime=clip.media.mime_type,
                    clip_start_seconds=clip.time_range.start_seconds,
                    clip_end_seconds=clip.time_range.end_seconds,
                )
            )
            if linked.rowcount:  # type: ignore[attr-defined]
                # In the hash chain, the clip's sha256 proves its bytes were not swapped.
                self._audit(
                    session,
                    "stream.clip_kept",
                    f"streams/{stream_id}",
                    {
                        "flag": clip.flag_sequence,
                        "sha256": clip.media.sha256,
                        "offsets": [clip.time_range.start_seconds, clip.time_range.end_seconds],
                    },
                )
