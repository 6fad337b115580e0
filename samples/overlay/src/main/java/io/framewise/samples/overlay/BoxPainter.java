package io.framewise.samples.overlay;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws a frame's detections on its picture with Java2D: each box as a rectangle outline in its class's
 * colour, and above it (inside the box when there is no room above) a filled tag in the same colour
 * holding {@code label score}. Lines are not anti-aliased, so the colour of a box is exact on its edge.
 * Shared by the CLI's {@code render} and the REST sample's frame images.
 */
public final class BoxPainter {

  /** Distinct, saturated colours (Tableau/Kelly-like), one per class id modulo their number. */
  private static final Color[] PALETTE = {
      new Color(255, 56, 56), new Color(56, 220, 56), new Color(40, 110, 255), new Color(255, 210, 0),
      new Color(255, 0, 255), new Color(0, 230, 230), new Color(255, 140, 0), new Color(150, 60, 255),
      new Color(160, 255, 60), new Color(255, 100, 170), new Color(0, 150, 120), new Color(200, 120, 60),
      new Color(120, 180, 255), new Color(255, 255, 140), new Color(170, 0, 90), new Color(90, 90, 0)};

  private final int stroke;
  private final Font font;

  /**
   * Sizes the outline and the font for frames of this size.
   *
   * @param width the frame width
   * @param height the frame height
   */
  public BoxPainter(int width, int height) {
    int shortSide = Math.min(width, height);
    this.stroke = Math.max(4, Math.round(shortSide / 160f) * 2); // even: centred on the edge
    this.font = new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, shortSide / 30));
  }

  /** {@return the outline's width in pixels} */
  public int stroke() {
    return stroke;
  }

  /**
   * The colour of a class.
   *
   * @param classId the class id
   * @return its colour
   */
  public static Color colour(int classId) {
    return PALETTE[Math.floorMod(classId, PALETTE.length)];
  }

  /**
   * Draws the detections onto the image.
   *
   * @param image the frame
   * @param detections the frame's detections
   */
  public void paint(BufferedImage image, List<ResultStream.Detection> detections) {
    if (detections.isEmpty()) {
      return;
    }
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(font);
      FontMetrics fm = g.getFontMetrics();
      // Weakest first, so that the best box of a cluster ends up on top.
      for (int i = detections.size() - 1; i >= 0; i--) {
        ResultStream.Detection d = detections.get(i);
        Color c = colour(d.classId());
        int x1 = (int) Math.round(d.x1());
        int y1 = (int) Math.round(d.y1());
        int x2 = (int) Math.round(d.x2());
        int y2 = (int) Math.round(d.y2());
        g.setColor(c);
        g.setStroke(new BasicStroke(stroke, BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER));
        g.drawRect(x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1));

        String text = d.label() + String.format(Locale.ROOT, " %.2f", d.score());
        int pad = Math.max(2, stroke / 2);
        int tagW = fm.stringWidth(text) + 2 * pad;
        int tagH = fm.getAscent() + fm.getDescent() + 2 * pad;
        int tagX = Math.max(0, Math.min(x1 - stroke / 2, image.getWidth() - tagW));
        int tagY = y1 - stroke / 2 - tagH; // above the box
        if (tagY < 0) {
          tagY = y1 + stroke / 2; // no room: inside, under the top edge
        }
        g.fillRect(tagX, tagY, tagW, tagH);
        g.setColor(luminance(c) > 140 ? Color.BLACK : Color.WHITE);
        g.drawString(text, tagX + pad, tagY + pad + fm.getAscent());
      }
    } finally {
      g.dispose();
    }
  }

  private static double luminance(Color c) {
    return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
  }
}
