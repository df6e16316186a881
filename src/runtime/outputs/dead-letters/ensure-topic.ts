/**
 * Creates the dead-letter topic at start when it is missing, so the first bad
 * message does not wait on auto-creation (often disabled in production). Where
 * custos may not create topics, it says so and relies on the topic existing.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../../observability/log.js';

export const DEAD_LETTER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export async function ensureTopic(kafka: Kafka, topic: string, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return;
    // Dead letters carry the original bytes, which may be as large as the
    // source topic allows: give the topic room (16 MiB) above common defaults.
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'max.message.bytes', value: String(DEAD_LETTER_MAX_MESSAGE_BYTES) }] }],
      waitForLeaders: true,
    });
    logger.info({ topic }, 'created dead-letter topic');
  } catch (err) {
    logger.warn({ topic, err: { message: (err as Error).message } }, 'could not create the dead-letter topic; it must exist');
  } finally {
    await admin.disconnect();
  }
}
