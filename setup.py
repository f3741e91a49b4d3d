"""The one build step pyproject.toml cannot say: the wheel carries the progressive web app.

The project keeps ``pwa/`` (templates and static files) and ``service_worker/`` next to
``server/``, where developers and the front-end build work on them. An installed package has no
checkout around it, so a wheel gets copies inside the package, ``server/pwa/`` and
``server/service_worker/``; ``server/resources.py`` reads them there. An editable install reads
the checkout's own folders and needs no copy.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Top-level folders of the checkout that the installed package carries inside itself.
BUNDLED_FOLDERS = ("pwa", "service_worker")


class BuildWithWebApp(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for folder in BUNDLED_FOLDERS:
            self.copy_tree(folder, str(Path(self.build_lib) / "server" / folder))


setup(cmdclass={"build_py": BuildWithWebApp})
