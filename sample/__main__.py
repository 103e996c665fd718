"""``python -m sample`` (``make sample``): rewrite the bundled workbooks in ``data/sample/``."""

from sample import generate

if __name__ == "__main__":
    for f in generate():
        print(f"{f.path}  {f.source}  {f.as_of}")
