"""Teams managing themselves: members and invites, tokens, runners added in the app, the audit
trail. Services (functions that change state) live here; views only call them."""
