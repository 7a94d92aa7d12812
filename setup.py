"""Build hook for the optional C extensions; setup.cfg holds the package metadata.

_cleaner_native speeds up the per-line passes and the classifier's page
scoring; _cleaner_tree walks the HTML tree lxml parsed (it needs lxml's
headers, which lxml's wheels ship, so lxml is a build requirement in
pyproject.toml). Both are optional: if one cannot be built (no compiler, no
Python headers, no lxml headers), the install goes on and the package uses
its pure-Python versions, which give the same results.
"""
from setuptools import Extension, setup


def lxml_includes() -> list[str]:
    """lxml's include folders (libxml2's headers among them), or [] if lxml is not importable here."""
    try:
        import lxml
    except ImportError:
        return []
    return list(lxml.get_include())


extensions = [
    Extension(
        "_cleaner_native",
        sources=["native/cleaner_native.c"],
        depends=["native/page_scan.h", "native/residue.h", "native/score.h"],
        optional=True,
        extra_compile_args=["-O2"],
    )
]
if includes := lxml_includes():
    extensions.append(
        Extension(
            "_cleaner_tree",
            sources=["native/tree_walk.c"],
            include_dirs=includes,
            optional=True,
            extra_compile_args=["-O2"],
        )
    )

setup(ext_modules=extensions)
