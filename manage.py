#!/usr/bin/env python
from karcis.__main__ import main

if __name__ == "__main__":
    main()
