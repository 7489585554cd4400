import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, errorMessage } from '../api/client';

/**
 * A one-time sign-in link an admin made for a source. The link is used by the button, not by opening the
 * page, so a chat app that previews the URL does not spend it.
 */
export function SignInLinkPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const use = async () => {
    setBusy(true);
    try {
      await api('POST', `/api/auth/sign-in-links/${encodeURIComponent(token)}`);
      await queryClient.invalidateQueries({ queryKey: ['session'] });
      navigate('/', { replace: true });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420}>
        <Stack>
          <Title order={1} size="h2">
            Sign in to Leadport
          </Title>
          <Text>This link signs you in as a lead source. It works once and for a day.</Text>
          {error && (
            <Alert color="red" role="alert" title="This link did not work">
              {error} <Link to="/sign-in">Sign in another way</Link>
            </Alert>
          )}
          <Button onClick={use} loading={busy}>
            Continue
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
