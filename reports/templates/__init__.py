"""The shipped report templates (this folder is installed as microcredit_risk.templates)."""
