package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.arrayContaining;
import static org.hamcrest.Matchers.emptyArray;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokensTest {
  /**
   * The characters Python's {@code str.isspace()} is true for, up to U+FFFF (printed by Python
   * 3: {@code [hex(c) for c in range(0x10000) if chr(c).isspace()]}): {@code str.split()}, which
   * networkx and most producers' scripts split with, splits on exactly these.
   */
  private static final Set<Integer> PYTHON_SPACE = Set.of(0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d,
      0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
      0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000);

  /** {@code text.split()} as Python splits it. */
  private static String[] byTheRule(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (PYTHON_SPACE.contains((int) c)) {
        if (word.length() > 0) {
          words.add(word.toString());
          word.setLength(0);
        }
      } else {
        word.append(c);
      }
    }
    if (word.length() > 0) {
      words.add(word.toString());
    }
    return words.toArray(new String[0]);
  }

  @Test
  void everyCharacterSeparatesWordsExactlyWhenPythonsSplitSplitsOnIt() {
    int separators = 0;
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      if (Character.isSurrogate((char) c)) {
        continue;
      }
      String ch = String.valueOf((char) c);
      String text = ch + "12" + ch + ch + "x" + ch + "7" + ch;
      assertThat(Integer.toHexString(c), Tokens.words(text), is(byTheRule(text)));
      assertThat(Integer.toHexString(c), Tokens.isBlank(ch + ch), is(PYTHON_SPACE.contains(c)));
      separators += PYTHON_SPACE.contains(c) ? 1 : 0;
    }
    assertThat("whitespace characters tried", separators, is(PYTHON_SPACE.size()));
  }

  @Test
  void supplementaryCharactersStayInsideTheirWord() {
    String text = " 1\uD83D\uDE00 2\u3000\uD83D\uDE00 ";
    assertThat(Tokens.words(text), arrayContaining("1\uD83D\uDE00", "2", "\uD83D\uDE00"));
    assertThat(Tokens.words(text), is(byTheRule(text)));
  }

  @Test
  void emptyAndAllWhitespaceHaveNoWords() {
    assertThat(Tokens.words(""), emptyArray());
    assertThat(Tokens.words(" \t\u2003\n"), emptyArray());
  }
}
