import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, Events, Routes, type ButtonInteraction, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, nextEvent, rest, Rig } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

const ratingRow = () =>
  new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId('rate:1').setLabel('1').setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId('rate:5').setLabel('5').setStyle(ButtonStyle.Secondary),
  );

describe('Discord emulator buttons and interactions, driven by discord.js', () => {
  it('dispatches a click as INTERACTION_CREATE that discord.js answers by updating the message', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const dm = await (await client.users.fetch(ALICE.id)).createDM();
    const sent = await dm.send({ content: 'Rate us', components: [ratingRow()] });
    expect(emulator.messagesInDm(ALICE.id)[0]?.message.components).toMatchObject([{ type: 1, components: [{ custom_id: 'rate:1' }, { custom_id: 'rate:5' }] }]);

    const clicked = nextEvent(client, Events.InteractionCreate);
    // Clicked through the control API, as a person driving the bot with curl would.
    const origin = emulator.restBaseUrl.replace(/\/api$/, '');
    const response = await fetch(`${origin}/_sandbox/users/${ALICE.id}/dm/${sent.id}/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ custom_id: 'rate:5' }),
    });
    expect(response.status).toBe(201);
    const [interaction] = (await clicked) as [Interaction];
    expect(interaction.isButton()).toBe(true);
    const button = interaction as ButtonInteraction;
    expect([button.customId, button.user.id, button.message.id]).toEqual(['rate:5', ALICE.id, sent.id]);

    await button.update({ components: [] });
    expect(emulator.messagesInDm(ALICE.id)[0]?.message.components).toEqual([]);
    // Only one initial answer per interaction.
    await expect(button.update({ content: 'again' })).rejects.toThrow();
    expect(() => emulator.userClicks(ALICE.id, sent.id, 'rate:1')).toThrow(/no button/);
  });

  it('refuses an answer after 3 seconds (10062) and a second answer (40060), as Discord does', async () => {
    let now = Date.now();
    const emulator = await rig.emulator({ interactionClock: () => now });
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const dm = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as { id: string };
    const sent = (await api.post(Routes.channelMessages(dm.id), { body: { content: 'Rate us', components: [ratingRow().toJSON()] } })) as { id: string };
    const late = emulator.userClicks(ALICE.id, sent.id, 'rate:1');
    now += 3_001;
    const answer = (id: string, interactionToken: string) =>
      api.post(Routes.interactionCallback(id, interactionToken), { body: { type: 6 }, auth: false });
    await expect(answer(late, emulator.interactionToken(late))).rejects.toMatchObject({ code: 10062 });

    const prompt = emulator.userClicks(ALICE.id, sent.id, 'rate:5');
    await answer(prompt, emulator.interactionToken(prompt));
    const again = answer(prompt, emulator.interactionToken(prompt));
    await expect(again).rejects.toBeInstanceOf(DiscordAPIError);
    await expect(again).rejects.toMatchObject({ code: 40060 });
    await expect(answer(prompt, 'not-its-token')).rejects.toMatchObject({ code: 10062 });
  });

  it('refuses a message whose buttons share a custom_id (50035)', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const dm = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as { id: string };
    const twice = { type: 1, components: [1, 2].map((n) => ({ type: 2, style: 2, label: String(n), custom_id: 'same' })) };
    await expect(api.post(Routes.channelMessages(dm.id), { body: { content: 'Rate us', components: [twice] } })).rejects.toMatchObject({ code: 50035 });
  });
});
