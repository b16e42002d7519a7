"""Pages of the customs domain: the officers' workspace, files, the rules, hooks."""
