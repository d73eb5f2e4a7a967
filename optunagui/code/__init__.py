"""Users' own code: entry points (``file.py:function``), packed code versions, and storing them."""
