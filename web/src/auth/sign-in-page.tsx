import { Alert, Button, Center, Paper, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, errorMessage } from '../api/client';

/** Sign in: admins with e-mail and password, a source with one of its API keys. */
export function SignInPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  const submit = (path: string, body: object) => async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', path, { body });
      await queryClient.invalidateQueries({ queryKey: ['session'] });
      navigate(from, { replace: true });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const onAdmin = (event: FormEvent<HTMLFormElement>) => {
    const form = new FormData(event.currentTarget);
    return submit('/api/auth/login', { email: form.get('email'), password: form.get('password') })(event);
  };
  const onSource = (event: FormEvent<HTMLFormElement>) => {
    const form = new FormData(event.currentTarget);
    return submit('/api/auth/source-login', { apiKey: form.get('apiKey') })(event);
  };

  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} radius="md">
        <Stack>
          <div>
            <Title order={1} size="h2">
              Leadport
            </Title>
            <Text c="gray.7" size="sm">
              Sign in to import and follow your leads.
            </Text>
          </div>
          {error && (
            <Alert color="red" title="Could not sign in" role="alert">
              {error}
            </Alert>
          )}
          <Tabs defaultValue="admin" keepMounted={false} onChange={() => setError(null)}>
            <Tabs.List grow>
              <Tabs.Tab value="admin">Account user</Tabs.Tab>
              <Tabs.Tab value="source">Lead source</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="admin" pt="md">
              <form onSubmit={onAdmin}>
                <Stack>
                  <TextInput label="Email" name="email" type="email" autoComplete="username" required autoFocus />
                  {/* A plain password input: a show-password toggle would be a second control named "Password". */}
                  <TextInput
                    label="Password"
                    name="password"
                    type="password"
                    autoComplete="current-password"
                    required
                  />
                  <Button type="submit" loading={busy}>
                    Sign in
                  </Button>
                </Stack>
              </form>
            </Tabs.Panel>
            <Tabs.Panel value="source" pt="md">
              <form onSubmit={onSource}>
                <Stack>
                  <TextInput
                    type="password"
                    label="API key"
                    name="apiKey"
                    description="The key your account manager gave you (lp_...), or ask them for a sign-in link."
                    required
                  />
                  <Button type="submit" loading={busy}>
                    Sign in with API key
                  </Button>
                </Stack>
              </form>
            </Tabs.Panel>
          </Tabs>
        </Stack>
      </Paper>
    </Center>
  );
}
