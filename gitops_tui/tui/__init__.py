"""The Textual front end: widgets, screens and bindings only; the engine lives outside."""
