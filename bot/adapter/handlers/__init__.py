"""Update handlers: thin async functions that decode, call the domain, render and reply."""
