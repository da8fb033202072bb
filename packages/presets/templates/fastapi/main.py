from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse

app = FastAPI(title="FastAPI app")


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    return """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>FastAPI app</title>
  </head>
  <body>
    <h1>Hello from FastAPI</h1>
    <p>Edit <code>main.py</code>. The API docs are at <a href="/docs">/docs</a>.</p>
  </body>
</html>
"""


@app.get("/api/hello")
def hello(name: str = "world") -> dict[str, str]:
    return {"message": f"Hello, {name}!"}


@app.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"
