package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** docs/README.md's CLI synopsis names exactly the options that {@code framewise <command> --help} shows. */
class CliSynopsisDocTest {

  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*");

  @Test
  void everySubcommandIsCovered() throws Exception {
    Set<String> commands = new TreeSet<>(new CommandLine(new FramewiseCli()).getSubcommands().keySet());
    commands.remove("help");
    java.lang.reflect.Method test = getClass().getDeclaredMethod("documentedSynopsis_namesEveryOption", String.class);
    assertThat(new TreeSet<>(java.util.List.of(test.getAnnotation(ValueSource.class).strings())))
        .as("the subcommands this test checks").isEqualTo(commands);
  }

  @ParameterizedTest
  @ValueSource(strings = {"detect", "render", "demo", "submit", "worker", "broker"})
  void documentedSynopsis_namesEveryOption(String command) throws Exception {
    CommandLine cli = new CommandLine(new FramewiseCli()).getSubcommands().get(command);
    Set<String> inHelp = new TreeSet<>();
    for (OptionSpec option : cli.getCommandSpec().options()) {
      if (!option.hidden()) {
        inHelp.add(option.longestName());
      }
    }
    assertThat(String.join(" ", inHelp)).as("--help of %s", command).isEqualTo(String.join(" ", inHelp(command)));

    Set<String> documented = new TreeSet<>();
    Matcher m = OPTION.matcher(synopsis(command));
    while (m.find()) {
      documented.add(m.group());
    }
    assertThat(documented).as("options in docs/README.md's synopsis of `framewise %s`", command)
        .isEqualTo(inHelp);
  }

  /** The long options in the usage lines that {@code --help} prints. */
  private static Set<String> inHelp(String command) {
    CliRun run = CliRun.of(command, "--help");
    assertThat(run.exitCode()).isZero();
    String usage = run.out().substring(run.out().indexOf("Usage:"));
    Set<String> names = new TreeSet<>();
    for (String line : usage.split("\\R")) {
      Matcher m = Pattern.compile("^\\s+(?:-\\w, )?(--[a-z][a-z-]*)").matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The lines of the synopsis block in docs/README.md that start with {@code framewise COMMAND}, with their continuations. */
  private static String synopsis(String command) throws Exception {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("docs/README.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the repository root (with docs/README.md) above %s", Path.of("").toAbsolutePath()).isNotNull();
    String doc = Files.readString(dir.resolve("docs/README.md"));
    String section = doc.substring(doc.indexOf("## The CLI sample"));
    String block = section.substring(section.indexOf("```") + 3);
    block = block.substring(0, block.indexOf("```"));
    StringBuilder lines = new StringBuilder();
    boolean inside = false;
    for (String line : block.split("\\R")) {
      if (line.startsWith("framewise ")) {
        inside = line.startsWith("framewise " + command + " ");
      }
      if (inside) {
        lines.append(line).append('\n');
      }
    }
    assertThat(lines).as("a synopsis of `framewise %s` in docs/README.md", command).isNotEmpty();
    return lines.toString();
  }
}
