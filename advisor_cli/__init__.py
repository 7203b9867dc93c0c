"""advisor-reports: upload Advisor exports, watch them being processed, download the reports."""
