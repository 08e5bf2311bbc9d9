"""The thin command line: each module parses options, calls the library, renders the result."""
