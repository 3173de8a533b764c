"""Import the Missouri Secretary of State's PSR voter file, in one transaction, set-based.

`layout` knows the editions' headers, `lines` reads and checks the lines, `known` holds what the
database already has, `staging` checks the staged rows, `writing` writes voters and households,
`unregister` previews the voters a file leaves out, and `load` runs one import from start to end.
"""
