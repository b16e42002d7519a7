"""Municipal remittance: what the city is owed, by period, merchant and category, and marking a
period remitted.

- ``selectors``: ``municipal_fees_statement`` (by merchant and category, from the ledger),
  ``municipal_fees_by_month``, ``municipal_fees_net``, ``remittances_list``;
- ``services``: ``remittance_record`` (the ``Remittance`` row and its ledger posting, together);
- ``exports``: the statement as CSV, XLSX and PDF;
- ``forms`` and ``views``: the ``/finance/remittance/`` pages (``finance/remittance_urls.py``).
"""
