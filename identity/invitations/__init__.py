"""Going live (#20, R36, R38): the invitations an administrator sends when an
organisation's people are in the directory, and the page a link in one opens."""
