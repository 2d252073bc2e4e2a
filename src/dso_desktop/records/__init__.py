"""Hand-over to records management (spisová služba): the NSESSS Annex 7 transfer batch, its
confirmation, and the REST interface Datovka speaks. No Qt, no archive access: the services
layer feeds it plain data (see docs/records.md)."""
