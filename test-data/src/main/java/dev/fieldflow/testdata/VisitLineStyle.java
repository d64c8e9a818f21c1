package dev.fieldflow.testdata;

/**
 * How one visit line is written: which accepted quirks of the contract it shows. The choices
 * are a pure function of a per-line seed, so the manifest can count quirks without reading the
 * rendered text, and an identical re-send renders byte for byte the same.
 *
 * @param colonDateKey write {@code "visit_date:"} (the source's real key) rather than
 *     {@code "visit_date"}
 * @param bareIntegers bit set of {@link #BARE_FIELDS}: those prefixed ids written as bare
 *     integers
 * @param visitDateTime -1, or which {@link #DATE_TIME_FORMS date-time form} visit_date uses
 * @param reportedDateTime -1, or the date-time form of original_reported_date
 * @param secondOfDay the time of day in a date-time form
 * @param noteArray write the note as a JSON array of integers
 * @param extraField -1, or which {@link #EXTRA_FIELDS unknown field} to add
 * @param compact no spaces after {@code :} and {@code ,}
 * @param reversed keys in reverse order
 */
record VisitLineStyle(
    boolean colonDateKey,
    int bareIntegers,
    int visitDateTime,
    int reportedDateTime,
    int secondOfDay,
    boolean noteArray,
    int extraField,
    boolean compact,
    boolean reversed) {

  static final String[] BARE_FIELDS = {
    "task_id", "node_id", "node_type", "task_type", "engineer_skill_level"
  };

  /**
   * Date-time forms; the calendar date as written is the date. Two of them name another day
   * in UTC, which is the point: the contract keeps the calendar date.
   */
  static final String[] DATE_TIME_FORMS = {
    "%s %s", "%sT%s", "%sT%sZ", "%sT%s+02:00", "%sT23:30:00-05:00", "%sT00:15:00+09:00",
    "%sT%s.250Z",
  };

  /** Unknown fields the pipeline must ignore; each is inserted after the second key. */
  static final String[] EXTRA_FIELDS = {
    "\"export_batch\": \"B17\"",
    "\"engineer_comment\": null",
    "\"meta\": {\"source\": \"mobile\", \"app_version\": \"3.2.1\", \"retries\": [1, 2]}",
    "\"tags\": [\"urgent\", \"revisit\"]",
  };

  static final VisitLineStyle PLAIN =
      new VisitLineStyle(true, 0, -1, -1, 0, false, -1, false, false);

  private static final VisitLineStyle PLAIN_WITHOUT_COLON =
      new VisitLineStyle(false, 0, -1, -1, 0, false, -1, false, false);

  /** The style drawn from {@code seed}; without quirks only the date key varies. */
  static VisitLineStyle seeded(long seed, boolean quirks) {
    long h = SeedStreams.mix(seed);
    boolean colon = percent(h, 0) >= 15;
    if (!quirks) {
      return colon ? PLAIN : PLAIN_WITHOUT_COLON;
    }
    long g = SeedStreams.mix(h);
    long k = SeedStreams.mix(g);
    int bare = percent(h, 1) < 3 ? 1 + (int) ((k & 0xFF) % 31) : 0;
    int visitDateTime =
        percent(h, 2) < 3 ? (int) (((k >>> 8) & 0xFF) % DATE_TIME_FORMS.length) : -1;
    int reportedDateTime =
        percent(h, 3) < 1 ? (int) (((k >>> 16) & 0xFF) % DATE_TIME_FORMS.length) : -1;
    boolean noteArray = percent(h, 4) < 2;
    int extra = percent(h, 5) < 2 ? (int) (((k >>> 24) & 0xFF) % EXTRA_FIELDS.length) : -1;
    boolean compact = percent(g, 0) < 2;
    boolean reversed = percent(g, 1) < 1;
    if (bare == 0 && visitDateTime < 0 && reportedDateTime < 0 && !noteArray && extra < 0
        && !compact && !reversed) {
      return colon ? PLAIN : PLAIN_WITHOUT_COLON;
    }
    int secondOfDay = (int) ((k >>> 32) % 86_400);
    return new VisitLineStyle(colon, bare, visitDateTime, reportedDateTime, secondOfDay,
        noteArray, extra, compact, reversed);
  }

  VisitLineStyle withNoteArray() {
    return new VisitLineStyle(colonDateKey, bareIntegers, visitDateTime, reportedDateTime,
        secondOfDay, true, extraField, compact, reversed);
  }

  boolean bare(int field) {
    return (bareIntegers & (1 << field)) != 0;
  }

  /** A number 0..99 from the {@code slot}-th ten bits of {@code h}. */
  private static int percent(long h, int slot) {
    return (int) (((h >>> (slot * 10)) & 0x3FF) % 100);
  }
}
