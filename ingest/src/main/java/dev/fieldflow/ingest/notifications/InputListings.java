package dev.fieldflow.ingest.notifications;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The record of complete listings of an input ({@code fieldflow.input_listings}, V11): every
 * object present when listing {@code listed_at} began is in the ledger since {@code
 * claimed_at}. The completeness analysts see ({@code analytics.input_completeness}) is the
 * latest such listing whose files are all finished.
 */
public final class InputListings {
  private InputListings() {}

  public static void record(Connection c, String input, String prefix, Instant listedAt,
      long filesListed, long filesClaimed) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO fieldflow.input_listings (pipeline, input, prefix, listed_at, claimed_at,"
            + " files_listed, files_claimed) VALUES ('visit', ?, ?, ?, now(), ?, ?)")) {
      ps.setString(1, input);
      ps.setString(2, prefix);
      ps.setTimestamp(3, Timestamp.from(listedAt));
      ps.setLong(4, filesListed);
      ps.setLong(5, filesClaimed);
      ps.executeUpdate();
    }
  }
}
