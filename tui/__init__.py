"""rnnplay's Textual app: drives the engine, never does tensor math itself."""
