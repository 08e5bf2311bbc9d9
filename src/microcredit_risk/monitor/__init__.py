"""Monitoring: loan-level lists built on the findings, for the officers who follow the loans up."""
