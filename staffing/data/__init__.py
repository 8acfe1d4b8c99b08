"""Input data: the County container, its schema, validation, readers and writers.

See ``docs/data.md`` for the columns of each table in English and Chinese.
"""

from staffing.data.county import County
from staffing.data.readers import load_county
from staffing.data.schema import schema_table
from staffing.data.validate import validate_tables
from staffing.data.writers import write_county_csv, write_county_excel

__all__ = [
    "County",
    "load_county",
    "schema_table",
    "validate_tables",
    "write_county_csv",
    "write_county_excel",
]
