package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.arrayContaining;
import static org.hamcrest.Matchers.emptyArray;
import static org.hamcrest.Matchers.is;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TokensTest {
  /** The rule {@link Tokens#words} keeps: split on whitespace runs after stripping. */
  private static final Pattern WHITESPACE = Pattern.compile("\\p{javaWhitespace}+");

  private static String[] byTheRule(String text) {
    String stripped = text.strip();
    return stripped.isEmpty() ? new String[0] : WHITESPACE.split(stripped);
  }

  @Test
  void everyWhitespaceCharacterSeparatesWordsAsStripAndTheRegexSeeThem() {
    int separators = 0;
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String ch = String.valueOf((char) c);
      String text = ch + "12" + ch + ch + "x" + ch + "7" + ch;
      assertThat(Integer.toHexString(c), Tokens.words(text), is(byTheRule(text)));
      separators += Character.isWhitespace(c) ? 1 : 0;
    }
    assertThat("whitespace characters tried", separators > 20, is(true));
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
