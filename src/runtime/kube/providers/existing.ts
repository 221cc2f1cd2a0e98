// An existing cluster: nothing to create; the context guard decides which context is used.
export const existingProvider = {
  name: 'existing',
  ensure: async (): Promise<boolean> => false,
} as const;
