"""Runs wherever a student notebook's links are written or recognised (`make release`, nbgrader
generate_assignment, the grading process's SanitizeOutputs): the links of the series on GitHub and Colab.

A student notebook is opened alone in Colab, where a link to a neighbour of the series
(`../02_stride/02_stride.ipynb`) leads nowhere: in the student notebooks each such link becomes the
neighbour's Colab URL (autograder/preprocessors/colablinks.py runs colab_links as generate_assignment's last
step). The solutions keep the relative links (GitHub and the book resolve them). Light: `re` only.
"""
import re

from autograder.catalogues import language

GITHUB_REPO = "conv1d-course/conv1d"   # forks: change this, then `make release`

# The Colab URL in a notebook's badge line (the first line of its first cell)
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]*")
# A link to another notebook of the series, relative as GitHub and the book resolve it: ](../NN_slug/NN_slug.ipynb)
SERIES_LINK = re.compile(r"\]\(\.\./(\d\d_\w+)/\1\.ipynb(#[^)\s]*)?\)")


def release_path(assignment, lang="en"):
    """A student notebook's path in the repository: notebooks/02_stride/02_stride.ipynb, or for the Chinese
    edition notebooks/zh/02_stride/02_stride.ipynb (the same file name: one notebook per assignment)."""
    return f"notebooks/{'' if lang == 'en' else lang + '/'}{assignment}/{assignment}.ipynb"


def colab_url(assignment, lang="en"):
    """The Colab URL of a student notebook, e.g. colab_url("02_stride"), colab_url("02_stride", "zh")."""
    return f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/{release_path(assignment, lang)}"


def glossary_link():
    """The link to docs/glossary.md on GitHub (absolute: a notebook opened alone in Colab has no repo)."""
    return f" · [Glossary · 术语表](https://github.com/{GITHUB_REPO}/blob/main/docs/glossary.md)"


def colab_links(nb):
    """The student notebook nb with each link to another notebook of the series made its Colab URL
    (in place; also returned), in the notebook's language (its Chinese neighbours for a Chinese notebook).
    Links already made are left as they are: running it twice changes nothing."""
    lang = language(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = SERIES_LINK.sub(lambda m: f"]({colab_url(m.group(1), lang)}{m.group(2) or ''})",
                                          cell.source)
    return nb
