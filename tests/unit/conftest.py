import sys
from pathlib import Path

# The Lambda's modules import each other by bare name, as they do in the Lambda runtime.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "scan_image"))
