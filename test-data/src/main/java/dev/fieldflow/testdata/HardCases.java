package dev.fieldflow.testdata;

import java.time.LocalDate;
import java.util.Objects;

/**
 * The parameters of the analysts' five questions that the hard cases are built around. The
 * generator appends tasks, visits and network nodes that sit exactly on, just inside and just
 * outside each boundary, so a query that gets a boundary wrong gives a different answer.
 * {@link #analystDefaults()} are the defaults of POSTGRES-MODEL.md.
 *
 * @param minSkillExclusive q1's L: the successful visit's skill level must be above it
 * @param q1From q1's first day, included
 * @param q1To q1's last day, included
 * @param minFailedBefore q1's K: failed visits of the same task with a smaller visit id
 * @param minSharedTokens q2's W: distinct tokens shared by the notes of visits 1 and 2
 * @param centerNode q3-q5's N; must be a node of the generated network
 * @param maxHops q3-q5's H
 * @param minFailedVisits q4's F
 * @param year q4's Y
 * @param q5From q5's first day, included
 * @param q5To q5's last day, included
 * @param token q5's T
 * @param decoyToken a token whose digits contain T's ({@code 1260} for {@code 126}); notes with
 *     it but not T must not match q5
 */
public record HardCases(
    int minSkillExclusive,
    LocalDate q1From,
    LocalDate q1To,
    int minFailedBefore,
    int minSharedTokens,
    int centerNode,
    int maxHops,
    int minFailedVisits,
    int year,
    LocalDate q5From,
    LocalDate q5To,
    int token,
    int decoyToken) {

  public HardCases {
    Objects.requireNonNull(q1From, "q1From");
    Objects.requireNonNull(q1To, "q1To");
    Objects.requireNonNull(q5From, "q5From");
    Objects.requireNonNull(q5To, "q5To");
    require(minSkillExclusive >= 0, "minSkillExclusive (L) must be >= 0");
    require(!q1From.isAfter(q1To), "q1From must not be after q1To");
    require(minFailedBefore >= 1 && minFailedBefore <= 50,
        "minFailedBefore (K) must be in 1..50");
    require(minSharedTokens >= 2 && minSharedTokens <= 100,
        "minSharedTokens (W) must be in 2..100");
    require(centerNode >= 0, "centerNode (N) must be >= 0");
    require(maxHops >= 1 && maxHops <= 20, "maxHops (H) must be in 1..20");
    require(minFailedVisits >= 3 && minFailedVisits <= 200,
        "minFailedVisits (F) must be in 3..200");
    require(year >= 1900 && year <= 9998, "year (Y) must be in 1900..9998");
    require(!q5From.isAfter(q5To), "q5From must not be after q5To");
    require(token >= 0 && token <= VisitGenerator.MAX_TOKEN,
        "token (T) must be in 0.." + VisitGenerator.MAX_TOKEN);
    require(decoyToken >= 0 && decoyToken <= VisitGenerator.MAX_TOKEN && decoyToken != token,
        "decoyToken must be in 0.." + VisitGenerator.MAX_TOKEN + " and differ from token");
  }

  /** L=2, q1 2020-01-01..2020-03-31, K=2, W=5, N=94, H=2, F=10, Y=2020, q5 March 2020, T=126. */
  public static HardCases analystDefaults() {
    return new HardCases(2, LocalDate.of(2020, 1, 1), LocalDate.of(2020, 3, 31), 2, 5, 94, 2, 10,
        2020, LocalDate.of(2020, 3, 1), LocalDate.of(2020, 3, 31), 126, 1260);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("hard cases: " + message);
    }
  }
}
