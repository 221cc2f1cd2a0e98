import type { ReactNode } from 'react';
import { Box, Text } from 'ink';

export interface PanelProps {
  title: string;
  focused?: boolean;
  width?: number;
  flexGrow?: number;
  children: ReactNode;
}

/** A bordered box whose border lights up when it has the keyboard. */
export const Panel = ({ title, focused = false, width, flexGrow, children }: PanelProps) => (
  <Box
    flexDirection="column"
    borderStyle="round"
    borderColor={focused ? 'cyan' : 'gray'}
    paddingX={1}
    width={width}
    flexGrow={flexGrow}
  >
    {/* The mark says which panel has the keys where colours do not (NO_COLOR). */}
    <Text bold color={focused ? 'cyan' : undefined}>
      {focused ? '▸ ' : ''}
      {title}
    </Text>
    {children}
  </Box>
);
