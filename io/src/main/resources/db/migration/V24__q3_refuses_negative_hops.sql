-- q3 (and q4, q5, which walk through it) answered a negative max_hops with no rows, as if the
-- question had been asked and had no answer; a hop count below 0 is a mistake in the question.
-- Same check, same SQLSTATE (invalid_parameter_value) as the cap above 6 (V5). 0 hops stays a
-- valid question: no node other than N is within 0 hops.
CREATE OR REPLACE FUNCTION analytics.q3_max_hops_within_cap(max_hops integer)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  IF max_hops > 6 THEN
    RAISE EXCEPTION 'max_hops % is above the cap of 6', max_hops
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for 6 hops or fewer; the default network reaches most nodes within 6';
  END IF;
  IF max_hops < 0 THEN
    RAISE EXCEPTION 'max_hops % is below 0', max_hops
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for 0 to 6 hops';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION analytics.q3_max_hops_within_cap(integer) IS
  'Raises invalid_parameter_value when max_hops is above q3''s cap of 6 (a walk of many hops over a dense network costs far more than any answer is worth) or below 0, else true.';
