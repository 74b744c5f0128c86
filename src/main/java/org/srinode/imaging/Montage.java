package org.srinode.imaging;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Side-by-side PNG of [0, 1] images of one size, with a caption above each panel. */
public final class Montage {
    private static final int CAPTION = 18;

    private Montage() {}

    public static void write(Path file, List<String> captions, List<float[]> panels, int w, int h) throws IOException {
        ImageIO.write(render(captions, panels, w, h), "png", file.toFile());
    }

    /** The montage as PNG bytes. */
    public static byte[] png(List<String> captions, List<float[]> panels, int w, int h) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(render(captions, panels, w, h), "png", out);
        return out.toByteArray();
    }

    private static BufferedImage render(List<String> captions, List<float[]> panels, int w, int h) {
        int gap = 4;
        BufferedImage img =
                new BufferedImage(panels.size() * (w + gap) - gap, h + CAPTION, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < panels.size(); p++) {
            float[] px = panels.get(p);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = Math.round(255 * Math.max(0f, Math.min(1f, px[y * w + x])));
                    img.getRaster().setSample(p * (w + gap) + x, y + CAPTION, 0, v);
                }
            }
        }
        try {
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (int p = 0; p < captions.size(); p++) {
                // each caption stays over its own panel: a smaller font, then shortened with "..." (never overlapping
                // the next)
                int x0 = p * (w + gap);
                String text = captions.get(p);
                int size = 12;
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
                while (size > 9 && g.getFontMetrics().stringWidth(text) > w - 6) {
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, --size));
                }
                while (text.length() > 1 && g.getFontMetrics().stringWidth(text) > w - 6) {
                    text = text.substring(0, text.length() - (text.endsWith("...") ? 4 : 1)) + "...";
                }
                g.setClip(x0, 0, w, CAPTION);
                g.drawString(text, x0 + 3, CAPTION - 5);
            }
            g.setClip(null);
            g.dispose();
        } catch (RuntimeException | Error e) {
            // no usable font on a headless machine: the panels stay, the order is given in the report
        }
        return img;
    }
}
