-- q4 with a year past any visit's: Y=5874897 failed with "date out of range: 5874898-01-01",
-- naming a year the analyst did not give (PostgreSQL's last date is in 5874897); a year from
-- 10000 up was answered with no rows. Visit dates are years 1..9999 (the parser refuses the
-- others), so a year after 9999 is refused as a year before 1 is (V25), saying so. The
-- function keeps V25's name, which q4's body calls.
CREATE OR REPLACE FUNCTION analytics.q4_year_from_1(year integer)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  IF year < 1 THEN
    RAISE EXCEPTION 'year % is before year 1', year
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for a calendar year from 1 (AD), such as 2020';
  END IF;
  IF year > 9999 THEN
    RAISE EXCEPTION 'year % is after 9999, the last year a visit date can have', year
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for a calendar year from 1 to 9999, such as 2020';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION analytics.q4_year_from_1(integer) IS
  'Raises invalid_parameter_value when q4''s year is before 1 or after 9999 (the years a visit date can have), else true.';
