import { useRef, useState } from 'react';
import { Text, useInput } from 'ink';

export interface TextInputProps {
  initial?: string;
  /** Enter: the line typed. */
  onSubmit: (value: string) => void;
  /** Esc (or Ctrl-C): nothing typed counts. */
  onCancel: () => void;
  /** Shown dimmed while nothing is typed. */
  placeholder?: string;
  isActive?: boolean;
}

/** What a key press adds to typed text: control characters (escape sequences, DEL) never do. */
export const printable = (input: string): string =>
  [...input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');

/** One line of typed text with a block cursor: printable keys add, backspace removes. */
export const TextInput = ({
  initial = '',
  onSubmit,
  onCancel,
  placeholder,
  isActive = true,
}: TextInputProps) => {
  const [value, setValue] = useState(initial);
  // Keys can arrive faster than React renders (a paste, tmux send-keys): each one sees the last value.
  const typed = useRef(initial);
  const set = (next: string) => {
    typed.current = next;
    setValue(next);
  };
  useInput(
    (input, key) => {
      if (key.escape || (key.ctrl && input === 'c')) return onCancel();
      if (key.return) return onSubmit(typed.current);
      if (key.backspace || key.delete) return set(typed.current.slice(0, -1));
      if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return;
      // A paste, or keys typed faster than the terminal reads them, arrives as one chunk: Ink
      // flags a return only when it is the whole chunk, so a line end inside one submits here.
      const end = input.search(/[\r\n]/);
      const text = printable(end < 0 ? input : input.slice(0, end));
      if (text) set(typed.current + text);
      if (end >= 0) onSubmit(typed.current);
    },
    { isActive },
  );
  return (
    <Text>
      <Text color="cyan">› </Text>
      {value === '' && placeholder ? <Text dimColor>{placeholder}</Text> : value}
      <Text inverse> </Text>
    </Text>
  );
};
