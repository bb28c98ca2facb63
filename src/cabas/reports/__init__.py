"""Reports over a period for a club or one of its groups: the aggregation queries (``data``), month arithmetic
(pure ``months``) and the charts drawn as SVG (pure ``charts``). See docs/reports.md."""
