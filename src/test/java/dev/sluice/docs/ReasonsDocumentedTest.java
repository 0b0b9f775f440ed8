package dev.sluice.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.rollout.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/status.md lists every reason Sluice gives in conditions and events, for users to filter on:
 * the table and {@link Reason} must name the same ones.
 */
class ReasonsDocumentedTest {
  private static final Pattern ROW_REASONS =
      Pattern.compile("^\\| (`[A-Za-z]+`(, `[A-Za-z]+`)*) \\|");

  @Test
  void everyReasonIsDocumentedAndEveryDocumentedReasonExists() throws IOException {
    Set<String> documented = new LinkedHashSet<>();
    boolean inReasons = false;
    for (String line : Files.readAllLines(Path.of("docs/status.md"))) {
      if (line.startsWith("## ")) {
        inReasons = line.equals("## Reasons");
      }
      Matcher m = ROW_REASONS.matcher(line);
      if (inReasons && m.find()) {
        for (String name : m.group(1).split(", ")) {
          documented.add(name.replace("`", ""));
        }
      }
    }
    Set<String> defined = new LinkedHashSet<>();
    Arrays.stream(Reason.values()).map(Reason::name).forEach(defined::add);
    assertThat(documented).containsExactlyInAnyOrderElementsOf(defined);
  }
}
