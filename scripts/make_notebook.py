"""Write a thin app notebook: a title, a short text for students, one cell that builds the app.

    python scripts/make_notebook.py apps/NAME.ipynb "Title" "text" "from m import f" "f()"
"""

import sys

import nbformat

path, title, text, *code = sys.argv[1:]
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{text}"),
            nbformat.v4.new_code_cell("\n".join(code))]
nbformat.write(nb, path)
