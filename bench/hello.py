"""Bare Flask hello-world: the baseline the portal is compared against in bench/run.py."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
