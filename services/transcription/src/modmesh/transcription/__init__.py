"""Transcription: turns the audio track of a media blob into words with their times in
the media, the spoken language and the model that heard them. Whisper (faster-whisper on
CTranslate2, the bundled tiny.en unless MODMESH_WHISPER_MODEL names another model) runs
one request at a time per process; media without audio yields an empty transcript."""
