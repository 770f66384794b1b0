"""Pages of the patrols app: the phone inspection pages, inspection records and plans, joint enforcement."""
