"""Build hook for the optional C extension; setup.cfg holds the package metadata.

The extension speeds up the per-line passes and the classifier's page scoring.
It is optional: if it cannot be built (no compiler, no Python headers), the
install goes on and the package uses its pure-Python versions, which give the
same results.
"""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "_cleaner_native",
            sources=["native/cleaner_native.c"],
            depends=["native/page_scan.h", "native/residue.h", "native/score.h"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
