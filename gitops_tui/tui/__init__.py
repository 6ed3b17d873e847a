"""The Textual front end: widgets, screens and bindings only; the engine lives outside."""

import os

# Textual draws a frame at most every 1/TEXTUAL_FPS s (60 by default), so a key pressed
# just after a frame waited up to 16.7 ms for the next one: a third of our keypress
# budget. Frames are drawn only when something changed, so a higher cap costs nothing
# when idle. Read when Textual is first imported, hence here, before any Textual import
# of ours; an operator's own TEXTUAL_FPS wins.
FRAME_RATE = "120"
os.environ.setdefault("TEXTUAL_FPS", FRAME_RATE)
