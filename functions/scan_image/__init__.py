"""The scanner Lambda (handler.py) and its scheduled sweeper (sweeper.py), as one package.

Lambda imports the handlers as `scan_image.handler.lambda_handler` and `scan_image.sweeper.lambda_handler`
from the bundle (scripts/bundle_lambda.sh); the local runner, the tests and the CLI import it from the
catscan install (pyproject.toml maps the package to this directory). Nothing is imported here, so the CLI
can use file_format.py and graphql_documents.py without the scanner's dependencies.
"""
