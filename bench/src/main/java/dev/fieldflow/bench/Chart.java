package dev.fieldflow.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The report's chart, drawn with Java2D: throughput per method (median bar, min–max whisker)
 * beside latency per poll interval (p50 and p95, with the target poll + 2 s).
 */
final class Chart {
  /** A bar with its spread. */
  record Bar(String label, Stats value, Color color) {}

  /** p50 and p95 of one poll interval, and its target. */
  record LatencyGroup(String label, double p50, double p95, double target) {}

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 520;
  private static final Color INK = new Color(40, 40, 40);
  private static final Color GRID = new Color(225, 225, 225);
  static final Color BASELINE = new Color(120, 144, 156);
  static final Color FIELDFLOW = new Color(25, 118, 210);
  private static final Color P50 = new Color(100, 181, 246);
  private static final Color P95 = new Color(13, 71, 161);
  private static final Color TARGET = new Color(211, 47, 47);

  private Chart() {}

  static void write(Path png, String title, List<Bar> throughput, List<LatencyGroup> latency) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(INK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 20, 30);
    throughputPanel(g, throughput, 20, 60, 700, 440);
    latencyPanel(g, latency, 760, 60, 420, 440);
    g.dispose();
    Files.createDirectories(png.toAbsolutePath().getParent());
    ImageIO.write(image, "png", png.toFile());
  }

  private static void throughputPanel(Graphics2D g, List<Bar> bars, int x, int y, int w, int h) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(INK);
    g.drawString("Ingest throughput, rows/s (median, min–max whisker)", x, y);
    int labelWidth = 300;
    int plotX = x + labelWidth;
    int plotW = w - labelWidth - 20;
    double max = bars.stream().filter(b -> b.value().present()).mapToDouble(b -> b.value().max()).max().orElse(1);
    double scale = niceCeiling(max);
    int top = y + 20;
    int axisY = y + h - 30;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i <= 4; i++) {
      int gx = plotX + (int) (plotW * i / 4.0);
      g.setColor(GRID);
      g.drawLine(gx, top, gx, axisY);
      g.setColor(INK);
      String tick = String.format("%,.0f", scale * i / 4);
      g.drawString(tick, gx - g.getFontMetrics().stringWidth(tick) / 2, axisY + 15);
    }
    int rowH = Math.min(56, (axisY - top) / Math.max(1, bars.size()));
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int by = top + i * rowH + 6;
      int bh = rowH - 16;
      // A long label (the index-cost baselines) gets a smaller font rather than running off the image.
      int size = 13;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
      while (size > 8 && g.getFontMetrics().stringWidth(bar.label()) > labelWidth - 14) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, --size));
      }
      g.setColor(INK);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(bar.label(), plotX - 10 - fm.stringWidth(bar.label()), by + bh / 2 + 5);
      if (!bar.value().present()) {
        g.setColor(Color.GRAY);
        g.drawString("not measured", plotX + 6, by + bh / 2 + 5);
        continue;
      }
      int len = (int) (plotW * bar.value().median() / scale);
      g.setColor(bar.color());
      g.fillRect(plotX, by, Math.max(1, len), bh);
      int minX = plotX + (int) (plotW * bar.value().min() / scale);
      int maxX = plotX + (int) (plotW * bar.value().max() / scale);
      g.setColor(INK);
      g.setStroke(new BasicStroke(1.5f));
      g.drawLine(minX, by + bh / 2, maxX, by + bh / 2);
      g.drawLine(minX, by + 4, minX, by + bh - 4);
      g.drawLine(maxX, by + 4, maxX, by + bh - 4);
      String value = String.format("%,.0f", bar.value().median());
      int tx = Math.max(plotX + len, maxX) + 6;
      if (tx + fm.stringWidth(value) > plotX + plotW + 20) {
        g.setColor(Color.WHITE);
        tx = plotX + 6;
      }
      g.drawString(value, tx, by + bh / 2 + 5);
    }
  }

  private static void latencyPanel(Graphics2D g, List<LatencyGroup> groups, int x, int y, int w, int h) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(INK);
    g.drawString("Latency, file dropped → rows committed (s)", x, y);
    int plotX = x + 40;
    int plotW = w - 60;
    int top = y + 40;
    int axisY = y + h - 30;
    double max = groups.stream().mapToDouble(gr -> Math.max(gr.p95(), gr.target())).filter(d -> !Double.isNaN(d))
        .max().orElse(1);
    double scale = niceCeiling(max * 1.1);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i <= 4; i++) {
      int gy = axisY - (int) ((axisY - top) * i / 4.0);
      g.setColor(GRID);
      g.drawLine(plotX, gy, plotX + plotW, gy);
      g.setColor(INK);
      String tick = String.format("%.1f", scale * i / 4);
      g.drawString(tick, plotX - 6 - g.getFontMetrics().stringWidth(tick), gy + 4);
    }
    // Legend
    g.setColor(P50);
    g.fillRect(plotX, y + 12, 12, 12);
    g.setColor(P95);
    g.fillRect(plotX + 60, y + 12, 12, 12);
    g.setColor(TARGET);
    g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
    g.drawLine(plotX + 120, y + 18, plotX + 140, y + 18);
    g.setColor(INK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("p50", plotX + 16, y + 23);
    g.drawString("p95", plotX + 76, y + 23);
    g.drawString("target p95 ≤ poll + 2 s", plotX + 146, y + 23);

    int groupW = plotW / Math.max(1, groups.size());
    for (int i = 0; i < groups.size(); i++) {
      LatencyGroup group = groups.get(i);
      int gx = plotX + i * groupW;
      int barW = groupW / 4;
      double[] values = {group.p50(), group.p95()};
      Color[] colors = {P50, P95};
      for (int k = 0; k < 2; k++) {
        if (Double.isNaN(values[k])) {
          continue;
        }
        int bh = (int) ((axisY - top) * values[k] / scale);
        int bx = gx + groupW / 4 + k * barW;
        g.setColor(colors[k]);
        g.fillRect(bx, axisY - bh, barW - 4, bh);
        g.setColor(INK);
        String label = String.format("%.1f", values[k]);
        g.drawString(label, bx + (barW - 4 - g.getFontMetrics().stringWidth(label)) / 2, axisY - bh - 4);
      }
      int ty = axisY - (int) ((axisY - top) * group.target() / scale);
      g.setColor(TARGET);
      g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
      g.drawLine(gx + groupW / 4 - 8, ty, gx + groupW / 4 + 2 * barW + 4, ty);
      g.setStroke(new BasicStroke(1f));
      g.setColor(INK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      FontMetrics fm = g.getFontMetrics();
      g.drawString(group.label(), gx + groupW / 2 - fm.stringWidth(group.label()) / 2, axisY + 18);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    }
    g.setColor(INK);
    g.drawLine(plotX, axisY, plotX + plotW, axisY);
  }

  private static double niceCeiling(double value) {
    if (value <= 0 || Double.isNaN(value)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 1.2, 1.6, 2, 4, 6, 8, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }
}
