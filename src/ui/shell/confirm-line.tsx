import { Text, useInput } from 'ink';

export interface ConfirmLineProps {
  question: string;
  /** y (or Y): yes; anything else: no. */
  onAnswer: (yes: boolean) => void;
}

/** A question answered with one key, as the dashboard asks before `down`. */
export const ConfirmLine = ({ question, onAnswer }: ConfirmLineProps) => {
  useInput((input) => onAnswer(input === 'y' || input === 'Y'));
  return (
    <Text wrap="wrap">
      <Text color="yellow">?</Text> {question} <Text bold>y/n</Text>
    </Text>
  );
};
