-- Every object's histories start at its creation. That first entry (its state, reason and
-- segment when made, and who made it) is kept on the object's own row rather than as a row
-- of each history table with its index: four b-tree entries fewer per create. Objects made
-- before this migration keep their first entries as history rows and NULL here.

ALTER TABLE customers ADD COLUMN created_by TEXT;
ALTER TABLE customers ADD COLUMN first_state TEXT;
ALTER TABLE customers ADD COLUMN first_reason TEXT;
ALTER TABLE customers ADD COLUMN first_segment TEXT;
ALTER TABLE accounts ADD COLUMN created_by TEXT;
ALTER TABLE accounts ADD COLUMN first_state TEXT;
ALTER TABLE accounts ADD COLUMN first_reason TEXT;
ALTER TABLE accounts ADD COLUMN first_segment TEXT;
ALTER TABLE subscribers ADD COLUMN created_by TEXT;
ALTER TABLE subscribers ADD COLUMN first_state TEXT;
ALTER TABLE subscribers ADD COLUMN first_reason TEXT;
ALTER TABLE subscribers ADD COLUMN first_segment TEXT;
