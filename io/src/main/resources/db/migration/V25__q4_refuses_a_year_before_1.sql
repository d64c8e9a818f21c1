-- q4 with a year before 1 (Y=0, Y=-1) failed with "date field value out of range: 0-01-01",
-- naming a year the analyst did not give (PostgreSQL counts years from 1 AD; make_date takes
-- a negative year as BC, and year + 1 reached 0), while Y=-2 was answered with no rows. A year
-- before 1 is now refused, saying so, with the SQLSTATE of q3's hop cap (invalid_parameter_value).
CREATE FUNCTION analytics.q4_year_from_1(year integer)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  IF year < 1 THEN
    RAISE EXCEPTION 'year % is before year 1', year
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for a calendar year from 1 (AD), such as 2020';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION analytics.q4_year_from_1(integer) IS
  'Raises invalid_parameter_value when q4''s year is before 1, else true.';
REVOKE ALL ON FUNCTION analytics.q4_year_from_1(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.q4_year_from_1(integer) TO ${analyst_role};

-- V3's q4, unchanged but for the check: it has no column in it, so PostgreSQL evaluates it once,
-- before any visit is read (as q3's cap, V5).
CREATE OR REPLACE FUNCTION analytics.q4(
    origin      integer DEFAULT 94,
    max_hops    integer DEFAULT 2,
    min_failed  integer DEFAULT 10,
    year        integer DEFAULT 2020)
  RETURNS TABLE (node_id integer, failed_visits bigint)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT n.node_id, failed.visits AS failed_visits
  FROM analytics.q3(q4.origin, q4.max_hops) n
  -- A count per node (not an inner join) so that min_failed <= 0 also lists nodes without
  -- failed visits, with 0.
  CROSS JOIN LATERAL (
    SELECT count(*) AS visits
    FROM fieldflow.visits v
    WHERE v.node_id = n.node_id
      AND v.outcome = 'FAIL'
      AND v.visit_date >= make_date(q4.year, 1, 1)
      AND v.visit_date < make_date(q4.year + 1, 1, 1)
  ) failed
  WHERE analytics.q4_year_from_1(q4.year)
    AND failed.visits >= q4.min_failed
  ORDER BY n.node_id
$$;
