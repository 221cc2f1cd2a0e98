import { Box, Text } from 'ink';
import type { Loadable } from './loadable.js';
import { Panel } from './panel.js';
import type { ProfileDetails as Details } from './types.js';

export const ProfileDetails = ({ details }: { details: Loadable<Details> | undefined }) => {
  if (!details) return null;
  if (details.state === 'loading')
    return (
      <Panel title="Profile">
        <Text dimColor>Loading…</Text>
      </Panel>
    );
  if (details.state === 'failed')
    return (
      <Panel title="Profile">
        <Text color="red">{details.error}</Text>
      </Panel>
    );
  const profile = details.value;
  if (!profile.ok)
    return (
      <Panel title={`Profile ${profile.name}`}>
        <Text color="red">✖ {profile.error}</Text>
        {profile.problems.map((problem, i) => (
          <Text key={i} wrap="truncate-end">
            {'  '}• {problem}
          </Text>
        ))}
        {profile.hint && <Text dimColor>hint: {profile.hint}</Text>}
      </Panel>
    );
  return (
    <Panel title={`Profile ${profile.name}`}>
      {profile.description && <Text dimColor>{profile.description}</Text>}
      <Field label="runtime" value={profile.runtime} />
      <Field label="app digest" value={profile.appDigest} />
      <Field label="file" value={profile.file} />
    </Panel>
  );
};

const Field = ({ label, value }: { label: string; value: string }) => (
  <Box>
    <Box width={12} flexShrink={0}>
      <Text dimColor>{label}</Text>
    </Box>
    <Text wrap="truncate-middle">{value}</Text>
  </Box>
);
