-- Nothing to undo on this database (see the up migration).
SELECT 1;
